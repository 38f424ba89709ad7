build/release/policy/gate.o: policy/gate.c policy/gate.h conf/mapping.h \
 /usr/include/apr-1.0/apr_tables.h /usr/include/apr-1.0/apr.h \
 /usr/include/apr-1.0/apr_pools.h /usr/include/apr-1.0/apr_errno.h \
 /usr/include/apr-1.0/apr_general.h /usr/include/apr-1.0/apr_want.h \
 /usr/include/apr-1.0/apr_allocator.h \
 /usr/include/apr-1.0/apr_thread_mutex.h /usr/include/apr-1.0/apr_time.h \
 gateway/base/user.h gateway/base/bag.h /usr/include/apr-1.0/apr_pools.h \
 gateway/base/err.h gateway/base/json.h gateway/base/str.h \
 /usr/include/apr-1.0/apr_strings.h
policy/gate.h:
conf/mapping.h:
/usr/include/apr-1.0/apr_tables.h:
/usr/include/apr-1.0/apr.h:
/usr/include/apr-1.0/apr_pools.h:
/usr/include/apr-1.0/apr_errno.h:
/usr/include/apr-1.0/apr_general.h:
/usr/include/apr-1.0/apr_want.h:
/usr/include/apr-1.0/apr_allocator.h:
/usr/include/apr-1.0/apr_thread_mutex.h:
/usr/include/apr-1.0/apr_time.h:
gateway/base/user.h:
gateway/base/bag.h:
/usr/include/apr-1.0/apr_pools.h:
gateway/base/err.h:
gateway/base/json.h:
gateway/base/str.h:
/usr/include/apr-1.0/apr_strings.h:
