compile -g -O0 --object {} -o out.o
compile -g -O2 --object {} -o out.o
serialize --emit-debug {} -o -
