build/release/gateway/base/err.o: gateway/base/err.c gateway/base/err.h
gateway/base/err.h:
