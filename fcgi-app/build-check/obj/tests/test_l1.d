build-check/obj/tests/test_l1.o: tests/unit/test_l1.c src/l1.h
src/l1.h:
