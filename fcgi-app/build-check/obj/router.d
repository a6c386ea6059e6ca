build-check/obj/router.o: src/router.c src/router.h src/app.h \
 src/config.h src/reply.h src/writes.h src/health.h src/metrics.h \
 src/products.h
src/router.h:
src/app.h:
src/config.h:
src/reply.h:
src/writes.h:
src/health.h:
src/metrics.h:
src/products.h:
