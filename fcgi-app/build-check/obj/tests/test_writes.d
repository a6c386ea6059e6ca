build-check/obj/tests/test_writes.o: tests/unit/test_writes.c src/app.h \
 src/config.h src/cache.h tests/unit/fakes/fakes.h src/store.h \
 src/product.h src/writes.h src/app.h src/reply.h
src/app.h:
src/config.h:
src/cache.h:
tests/unit/fakes/fakes.h:
src/store.h:
src/product.h:
src/writes.h:
src/app.h:
src/reply.h:
