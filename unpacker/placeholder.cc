namespace rdbundle::unpacker {}
