build-check/obj/tests/test_products.o: tests/unit/test_products.c \
 src/app.h src/config.h src/cache.h tests/unit/fakes/fakes.h src/store.h \
 src/product.h src/l1.h src/products.h src/app.h src/reply.h \
 src/request.h src/tracking.h src/cache.h src/l1.h
src/app.h:
src/config.h:
src/cache.h:
tests/unit/fakes/fakes.h:
src/store.h:
src/product.h:
src/l1.h:
src/products.h:
src/app.h:
src/reply.h:
src/request.h:
src/tracking.h:
src/cache.h:
src/l1.h:
