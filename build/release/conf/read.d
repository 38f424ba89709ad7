build/release/conf/read.o: conf/read.c conf/read.h gateway/base/err.h \
 /usr/include/apr-1.0/apr_pools.h /usr/include/apr-1.0/apr.h \
 /usr/include/apr-1.0/apr_errno.h /usr/include/apr-1.0/apr_general.h \
 /usr/include/apr-1.0/apr_pools.h /usr/include/apr-1.0/apr_want.h \
 /usr/include/apr-1.0/apr_allocator.h \
 /usr/include/apr-1.0/apr_thread_mutex.h /usr/include/apr-1.0/apr_time.h \
 /usr/include/apr-1.0/apr_file_io.h /usr/include/apr-1.0/apr_file_info.h \
 /usr/include/apr-1.0/apr_user.h /usr/include/apr-1.0/apr_tables.h \
 /usr/include/apr-1.0/apr_inherit.h /usr/include/apr-1.0/apr_strings.h
conf/read.h:
gateway/base/err.h:
/usr/include/apr-1.0/apr_pools.h:
/usr/include/apr-1.0/apr.h:
/usr/include/apr-1.0/apr_errno.h:
/usr/include/apr-1.0/apr_general.h:
/usr/include/apr-1.0/apr_pools.h:
/usr/include/apr-1.0/apr_want.h:
/usr/include/apr-1.0/apr_allocator.h:
/usr/include/apr-1.0/apr_thread_mutex.h:
/usr/include/apr-1.0/apr_time.h:
/usr/include/apr-1.0/apr_file_io.h:
/usr/include/apr-1.0/apr_file_info.h:
/usr/include/apr-1.0/apr_user.h:
/usr/include/apr-1.0/apr_tables.h:
/usr/include/apr-1.0/apr_inherit.h:
/usr/include/apr-1.0/apr_strings.h:
