build/release/conf/conf.o: conf/conf.c conf/conf.h conf/mapping.h \
 /usr/include/apr-1.0/apr_tables.h /usr/include/apr-1.0/apr.h \
 /usr/include/apr-1.0/apr_pools.h /usr/include/apr-1.0/apr_errno.h \
 /usr/include/apr-1.0/apr_general.h /usr/include/apr-1.0/apr_want.h \
 /usr/include/apr-1.0/apr_allocator.h \
 /usr/include/apr-1.0/apr_thread_mutex.h /usr/include/apr-1.0/apr_time.h \
 conf/sessions.h /usr/include/apr-1.0/apr_pools.h gateway/base/err.h \
 /usr/include/apr-1.0/apr_strings.h
conf/conf.h:
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
conf/sessions.h:
/usr/include/apr-1.0/apr_pools.h:
gateway/base/err.h:
/usr/include/apr-1.0/apr_strings.h:
