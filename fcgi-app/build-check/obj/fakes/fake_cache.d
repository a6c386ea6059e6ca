build-check/obj/fakes/fake_cache.o: tests/unit/fakes/fake_cache.c \
 src/cache.h tests/unit/fakes/fakes.h src/store.h src/product.h \
 src/tracking.h src/cache.h src/l1.h
src/cache.h:
tests/unit/fakes/fakes.h:
src/store.h:
src/product.h:
src/tracking.h:
src/cache.h:
src/l1.h:
