build/release/conf/sessions.o: conf/sessions.c conf/sessions.h \
 /usr/include/apr-1.0/apr_pools.h /usr/include/apr-1.0/apr.h \
 /usr/include/apr-1.0/apr_errno.h /usr/include/apr-1.0/apr_general.h \
 /usr/include/apr-1.0/apr_pools.h /usr/include/apr-1.0/apr_want.h \
 /usr/include/apr-1.0/apr_allocator.h \
 /usr/include/apr-1.0/apr_thread_mutex.h /usr/include/apr-1.0/apr_time.h \
 /usr/include/apr-1.0/apr_tables.h conf/directive.h conf/conf.h \
 conf/mapping.h gateway/base/err.h gateway/base/str.h conf/read.h \
 conf/sessions_directives.h /usr/include/apr-1.0/apr_strings.h
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
conf/directive.h:
conf/conf.h:
conf/mapping.h:
gateway/base/err.h:
gateway/base/str.h:
conf/read.h:
conf/sessions_directives.h:
/usr/include/apr-1.0/apr_strings.h:
