build-check/obj/writes.o: src/writes.c src/writes.h src/app.h \
 src/config.h src/reply.h src/cache.h src/json.h src/product.h src/log.h \
 src/metrics.h src/products.h src/request.h src/store.h
src/writes.h:
src/app.h:
src/config.h:
src/reply.h:
src/cache.h:
src/json.h:
src/product.h:
src/log.h:
src/metrics.h:
src/products.h:
src/request.h:
src/store.h:
