build-check/obj/json.o: src/json.c src/json.h src/product.h
src/json.h:
src/product.h:
