build-sourcemap {} --names -o out.map
