build-check/obj/product.o: src/product.c src/product.h
src/product.h:
