build-check/obj/response.o: src/response.c src/response.h src/reply.h
src/response.h:
src/reply.h:
