namespace rdbundle::packer {}
