build/release/sessions/redis.o: sessions/redis.c sessions/redis.h \
 conf/sessions.h /usr/include/apr-1.0/apr_pools.h \
 /usr/include/apr-1.0/apr.h /usr/include/apr-1.0/apr_errno.h \
 /usr/include/apr-1.0/apr_general.h /usr/include/apr-1.0/apr_pools.h \
 /usr/include/apr-1.0/apr_want.h /usr/include/apr-1.0/apr_allocator.h \
 /usr/include/apr-1.0/apr_thread_mutex.h /usr/include/apr-1.0/apr_time.h \
 /usr/include/apr-1.0/apr_tables.h gateway/base/err.h gateway/base/log.h \
 /usr/include/apr-1.0/apr_strings.h
sessions/redis.h:
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
gateway/base/log.h:
/usr/include/apr-1.0/apr_strings.h:
