#include "packed_kernel.h"

namespace plexus::quant {

Result<Activations> read_activations(const ConfigView& quant_section) {
  PLEXUS_ASSIGN_OR_RETURN(const std::string v, quant_section.get_string("activations", "f32"));
  if (v == "f32") return Activations::kF32;
  if (v == "int8") return Activations::kInt8;
  return Status::invalid_argument(quant_section.section() + " activations is \"" + v +
                                  "\"; use \"f32\" (exact) or \"int8\" (faster batches)");
}

std::string activations_name(Activations a) { return a == Activations::kInt8 ? "int8" : "f32"; }

}  // namespace plexus::quant
