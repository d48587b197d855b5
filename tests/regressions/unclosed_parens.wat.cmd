serialize {} -o -
compile -g -O0 --object {} -o out.o
