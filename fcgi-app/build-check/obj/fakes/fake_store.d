build-check/obj/fakes/fake_store.o: tests/unit/fakes/fake_store.c \
 src/app.h src/config.h src/cache.h tests/unit/fakes/fakes.h src/store.h \
 src/product.h
src/app.h:
src/config.h:
src/cache.h:
tests/unit/fakes/fakes.h:
src/store.h:
src/product.h:
