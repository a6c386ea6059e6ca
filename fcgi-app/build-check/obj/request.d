build-check/obj/request.o: src/request.c src/request.h
src/request.h:
