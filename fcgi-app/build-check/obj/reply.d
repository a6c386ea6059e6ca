build-check/obj/reply.o: src/reply.c src/reply.h src/json.h src/product.h
src/reply.h:
src/json.h:
src/product.h:
