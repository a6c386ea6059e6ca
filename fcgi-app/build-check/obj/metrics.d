build-check/obj/metrics.o: src/metrics.c src/metrics.h src/reply.h \
 src/json.h src/product.h
src/metrics.h:
src/reply.h:
src/json.h:
src/product.h:
