build-check/obj/products.o: src/products.c src/products.h src/app.h \
 src/config.h src/reply.h src/cache.h src/clock.h src/json.h \
 src/product.h src/l1.h src/metrics.h src/request.h src/store.h \
 src/tracking.h
src/products.h:
src/app.h:
src/config.h:
src/reply.h:
src/cache.h:
src/clock.h:
src/json.h:
src/product.h:
src/l1.h:
src/metrics.h:
src/request.h:
src/store.h:
src/tracking.h:
