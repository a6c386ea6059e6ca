build-check/obj/health.o: src/health.c src/health.h src/app.h \
 src/config.h src/reply.h src/cache.h src/json.h src/product.h \
 src/store.h
src/health.h:
src/app.h:
src/config.h:
src/reply.h:
src/cache.h:
src/json.h:
src/product.h:
src/store.h:
