#!/usr/bin/env python3
"""Writes an all-F32 copy of a GGUF: the same metadata and tensor names, every tensor
dequantised with the `gguf` package (gguf.quants.dequantize). Used so that plexus (which
dequantises to f32 at load) and llama.cpp run at equal weight precision from the same weights.

The tensors keep the GGUF layout (llama.cpp's Q/K row permutation included): llama.cpp expects
it, and plexus's GGUF reader undoes it itself.

Usage: make_gguf.py IN.gguf OUT.gguf   (prints the total tensor bytes of OUT as JSON)
"""
import json
import sys

import numpy as np
from gguf import GGUFReader, GGUFValueType, GGUFWriter, LlamaFileType
from gguf.quants import dequantize

# Keys the reader synthesises or the writer writes itself.
SKIP = {"GGUF.version", "GGUF.tensor_count", "GGUF.kv_count", "general.architecture"}


def main(src: str, dst: str) -> None:
    reader = GGUFReader(src)
    arch = reader.fields["general.architecture"].contents()
    writer = GGUFWriter(dst, arch)
    for key, field in reader.fields.items():
        if key in SKIP:
            continue
        if key == "general.file_type":  # now every tensor is F32
            writer.add_uint32(key, int(LlamaFileType.ALL_F32))
            continue
        vtype = field.types[0]
        sub_type = field.types[-1] if vtype == GGUFValueType.ARRAY else None
        writer.add_key_value(key, field.contents(), vtype, sub_type)
    total = 0
    for t in reader.tensors:
        shape = tuple(reversed([int(d) for d in t.shape]))  # numpy order: outermost first
        values = dequantize(t.data, t.tensor_type).astype(np.float32).reshape(shape)
        total += values.nbytes
        writer.add_tensor(t.name, values)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print(json.dumps({"path": dst, "tensors": len(reader.tensors), "tensor_bytes": total}))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
