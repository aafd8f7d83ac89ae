// EmbeddedProgram: the bridge between a compiled module graph and its
// serialized form. collectProgram gathers an entry module and every file
// module it imports (found through the Import instructions, served by the
// module cache) into a ProgramImage; ImageModuleProvider serves a loaded
// image to the VM, so the imports of a precompiled program resolve from the
// image, never from the disk (standard-library modules are native as usual).
#pragma once
#include <memory>
#include <string>
#include <unordered_map>

#include "bytecode/Serializer.h"
#include "vm/VM.h"

namespace langoost {

// Null (with `error` set) when an imported module is not in `provider`.
std::shared_ptr<ProgramImage> collectProgram(std::shared_ptr<const CompiledModule> entry, ModuleProvider& provider,
                                             std::string& error);

class ImageModuleProvider : public ModuleProvider {
  public:
    explicit ImageModuleProvider(std::shared_ptr<const ProgramImage> image);
    std::shared_ptr<const CompiledModule> compiledModule(std::string_view key) override;
    std::shared_ptr<const CompiledModule> entry() const { return image_->modules.front(); }

  private:
    std::shared_ptr<const ProgramImage> image_;
    std::unordered_map<std::string, std::shared_ptr<const CompiledModule>> byKey_;
};

} // namespace langoost
