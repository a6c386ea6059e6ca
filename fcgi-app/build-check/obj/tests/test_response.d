build-check/obj/tests/test_response.o: tests/unit/test_response.c \
 src/response.h src/reply.h
src/response.h:
src/reply.h:
