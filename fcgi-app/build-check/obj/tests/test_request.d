build-check/obj/tests/test_request.o: tests/unit/test_request.c \
 src/request.h
src/request.h:
