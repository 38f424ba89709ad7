build/release/gateway/cli/map.o: gateway/cli/map.c gateway/cli/commands.h \
 gateway/cli/input.h conf/conf.h conf/mapping.h \
 /usr/include/apr-1.0/apr_tables.h /usr/include/apr-1.0/apr.h \
 /usr/include/apr-1.0/apr_pools.h /usr/include/apr-1.0/apr_errno.h \
 /usr/include/apr-1.0/apr_general.h /usr/include/apr-1.0/apr_want.h \
 /usr/include/apr-1.0/apr_allocator.h \
 /usr/include/apr-1.0/apr_thread_mutex.h /usr/include/apr-1.0/apr_time.h \
 conf/sessions.h /usr/include/apr-1.0/apr_pools.h gateway/base/err.h \
 conf/mapper_file.h conf/template.h gateway/base/regex.h \
 gateway/base/json.h gateway/base/str.h conf/read.h gateway/login.h \
 mappers/map.h gateway/base/assertion.h gateway/base/user.h \
 gateway/base/bag.h gateway/base/err.h gateway/base/json.h \
 gateway/proto/saml_assertion.h /usr/include/apr-1.0/apr_strings.h
gateway/cli/commands.h:
gateway/cli/input.h:
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
conf/mapper_file.h:
conf/template.h:
gateway/base/regex.h:
gateway/base/json.h:
gateway/base/str.h:
conf/read.h:
gateway/login.h:
mappers/map.h:
gateway/base/assertion.h:
gateway/base/user.h:
gateway/base/bag.h:
gateway/base/err.h:
gateway/base/json.h:
gateway/proto/saml_assertion.h:
/usr/include/apr-1.0/apr_strings.h:
