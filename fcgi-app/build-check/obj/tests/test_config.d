build-check/obj/tests/test_config.o: tests/unit/test_config.c \
 src/config.h
src/config.h:
