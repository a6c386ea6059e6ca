build-check/obj/tests/test_health.o: tests/unit/test_health.c src/app.h \
 src/config.h tests/unit/fakes/fakes.h src/store.h src/product.h \
 src/health.h src/app.h src/reply.h
src/app.h:
src/config.h:
tests/unit/fakes/fakes.h:
src/store.h:
src/product.h:
src/health.h:
src/app.h:
src/reply.h:
