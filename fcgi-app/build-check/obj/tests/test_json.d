build-check/obj/tests/test_json.o: tests/unit/test_json.c src/json.h \
 src/product.h
src/json.h:
src/product.h:
