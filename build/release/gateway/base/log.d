build/release/gateway/base/log.o: gateway/base/log.c gateway/base/log.h
gateway/base/log.h:
