serialize {} -o -
compile -O0 --object {} -o out.o
compile -g -O0 --object {} -o out.o
