build-check/obj/tests/test_log.o: tests/unit/test_log.c src/log.h
src/log.h:
