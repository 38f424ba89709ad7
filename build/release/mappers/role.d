build/release/mappers/role.o: mappers/role.c mappers/context.h \
 mappers/map.h conf/mapper_file.h conf/template.h \
 /usr/include/apr-1.0/apr_pools.h /usr/include/apr-1.0/apr.h \
 /usr/include/apr-1.0/apr_errno.h /usr/include/apr-1.0/apr_general.h \
 /usr/include/apr-1.0/apr_pools.h /usr/include/apr-1.0/apr_want.h \
 /usr/include/apr-1.0/apr_allocator.h \
 /usr/include/apr-1.0/apr_thread_mutex.h /usr/include/apr-1.0/apr_time.h \
 gateway/base/err.h gateway/base/regex.h \
 /usr/include/apr-1.0/apr_tables.h conf/mapping.h \
 gateway/base/assertion.h gateway/base/json.h gateway/base/str.h \
 gateway/base/user.h gateway/base/bag.h gateway/base/err.h \
 gateway/base/json.h /usr/include/apr-1.0/apr_strings.h
mappers/context.h:
mappers/map.h:
conf/mapper_file.h:
conf/template.h:
/usr/include/apr-1.0/apr_pools.h:
/usr/include/apr-1.0/apr.h:
/usr/include/apr-1.0/apr_errno.h:
/usr/include/apr-1.0/apr_general.h:
/usr/include/apr-1.0/apr_pools.h:
/usr/include/apr-1.0/apr_want.h:
/usr/include/apr-1.0/apr_allocator.h:
/usr/include/apr-1.0/apr_thread_mutex.h:
/usr/include/apr-1.0/apr_time.h:
gateway/base/err.h:
gateway/base/regex.h:
/usr/include/apr-1.0/apr_tables.h:
conf/mapping.h:
gateway/base/assertion.h:
gateway/base/json.h:
gateway/base/str.h:
gateway/base/user.h:
gateway/base/bag.h:
gateway/base/err.h:
gateway/base/json.h:
/usr/include/apr-1.0/apr_strings.h:
