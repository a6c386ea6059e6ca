build-check/obj/l1.o: src/l1.c src/l1.h
src/l1.h:
