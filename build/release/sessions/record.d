build/release/sessions/record.o: sessions/record.c sessions/record.h \
 conf/sessions.h /usr/include/apr-1.0/apr_pools.h \
 /usr/include/apr-1.0/apr.h /usr/include/apr-1.0/apr_errno.h \
 /usr/include/apr-1.0/apr_general.h /usr/include/apr-1.0/apr_pools.h \
 /usr/include/apr-1.0/apr_want.h /usr/include/apr-1.0/apr_allocator.h \
 /usr/include/apr-1.0/apr_thread_mutex.h /usr/include/apr-1.0/apr_time.h \
 /usr/include/apr-1.0/apr_tables.h gateway/base/err.h gateway/base/str.h \
 gateway/base/user.h gateway/base/bag.h gateway/base/err.h \
 gateway/base/json.h gateway/base/str.h sessions/cookie.h sessions/keys.h \
 gateway/base/json.h sessions/seal.h /usr/include/apr-1.0/apr_strings.h
sessions/record.h:
conf/sessions.h:
/usr/include/apr-1.0/apr_pools.h:
/usr/include/apr-1.0/apr.h:
/usr/include/apr-1.0/apr_errno.h:
/usr/include/apr-1.0/apr_general.h:
/usr/include/apr-1.0/apr_pools.h:
/usr/include/apr-1.0/apr_want.h:
/usr/include/apr-1.0/apr_allocator.h:
/usr/include/apr-1.0/apr_thread_mutex.h:
/usr/include/apr-1.0/apr_time.h:
/usr/include/apr-1.0/apr_tables.h:
gateway/base/err.h:
gateway/base/str.h:
gateway/base/user.h:
gateway/base/bag.h:
gateway/base/err.h:
gateway/base/json.h:
gateway/base/str.h:
sessions/cookie.h:
sessions/keys.h:
gateway/base/json.h:
sessions/seal.h:
/usr/include/apr-1.0/apr_strings.h:
