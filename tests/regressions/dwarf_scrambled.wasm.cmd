serialize --emit-debug {} -o -
build-sourcemap {} --names -o out.map
compile -g -O0 --object {} -o out.o
