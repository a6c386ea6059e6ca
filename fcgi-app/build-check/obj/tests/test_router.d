build-check/obj/tests/test_router.o: tests/unit/test_router.c src/app.h \
 src/config.h tests/unit/fakes/fakes.h src/store.h src/product.h \
 src/router.h src/app.h src/reply.h src/writes.h
src/app.h:
src/config.h:
tests/unit/fakes/fakes.h:
src/store.h:
src/product.h:
src/router.h:
src/app.h:
src/reply.h:
src/writes.h:
