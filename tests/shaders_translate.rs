//! Every shader parsed and validated by naga, and written to MSL (Metal), HLSL (DX12) and
//! SPIR-V (Vulkan) by naga's back ends — no GPU needed. Also checks that each registered
//! kernel's entry point uses exactly bindings 0..=k, as its launcher binds them.

use naga::back::{hlsl, msl, spv};
use naga::valid::{Capabilities, ValidationFlags, Validator};
use wgtrain::gpu::{EntryPoint, Shader};

fn parse(shader: Shader) -> (naga::Module, naga::valid::ModuleInfo) {
    let module = naga::front::wgsl::parse_str(shader.source()).unwrap_or_else(|e| {
        panic!(
            "{}: {}",
            shader.file_name(),
            e.emit_to_string(shader.source())
        )
    });
    let info = Validator::new(ValidationFlags::all(), Capabilities::empty())
        .validate(&module)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {}",
                shader.file_name(),
                e.emit_to_string(shader.source())
            )
        });
    (module, info)
}

#[test]
fn every_shader_validates_and_translates_to_msl_hlsl_spirv() {
    for &shader in Shader::ALL {
        let (module, info) = parse(shader);
        let name = shader.file_name();
        for ep in &module.entry_points {
            let constants = naga::back::PipelineConstants::default();
            let (m, i) = naga::back::pipeline_constants::process_overrides(
                &module,
                &info,
                Some((ep.stage, &ep.name)),
                &constants,
            )
            .unwrap_or_else(|e| panic!("{name}::{}: overrides: {e}", ep.name));

            let msl_opts = msl::Options {
                lang_version: (2, 1),
                ..Default::default()
            };
            let msl_pipe = msl::PipelineOptions {
                entry_point: Some((ep.stage, ep.name.clone())),
                ..Default::default()
            };
            let (src, _) = msl::write_string(&m, &i, &msl_opts, &msl_pipe)
                .unwrap_or_else(|e| panic!("{name}::{}: MSL: {e:?}", ep.name));
            assert!(src.contains("kernel"), "{name}::{}: no MSL kernel", ep.name);

            let hlsl_opts = hlsl::Options {
                shader_model: hlsl::ShaderModel::V5_1,
                ..Default::default()
            };
            let hlsl_pipe = hlsl::PipelineOptions {
                entry_point: Some((ep.stage, ep.name.clone())),
            };
            let mut out = String::new();
            let mut w = hlsl::Writer::new(&mut out, &hlsl_opts, &hlsl_pipe);
            w.write(&m, &i, None)
                .unwrap_or_else(|e| panic!("{name}::{}: HLSL: {e:?}", ep.name));
            assert!(
                out.contains("numthreads"),
                "{name}::{}: no HLSL numthreads",
                ep.name
            );

            let spv_opts = spv::Options::default();
            let spv_pipe = spv::PipelineOptions {
                shader_stage: ep.stage,
                entry_point: ep.name.clone(),
            };
            let words = spv::write_vec(&m, &i, &spv_opts, Some(&spv_pipe))
                .unwrap_or_else(|e| panic!("{name}::{}: SPIR-V: {e:?}", ep.name));
            assert_eq!(words[0], 0x0723_0203, "{name}::{}: SPIR-V magic", ep.name);
        }
    }
}

#[test]
fn every_kernel_entry_point_exists_and_uses_its_registered_bindings() {
    for &kernel in EntryPoint::ALL {
        let (shader, entry, n_storage) =
            (kernel.shader(), kernel.name(), kernel.storage_bindings());
        let (module, info) = parse(shader);
        let idx = module
            .entry_points
            .iter()
            .position(|ep| ep.name == entry)
            .unwrap_or_else(|| panic!("{}: no entry point {entry}", shader.file_name()));
        let fun_info = info.get_entry_point(idx);
        let mut used: Vec<u32> = module
            .global_variables
            .iter()
            .filter(|(h, _)| !fun_info[*h].is_empty())
            .filter_map(|(_, g)| g.binding.as_ref().map(|b| b.binding))
            .collect();
        used.sort();
        let first = if kernel.has_params() { 0 } else { 1 };
        let want: Vec<u32> = (first..=n_storage as u32).collect();
        assert_eq!(used, want, "{entry}: bindings used vs registered");
    }
}

#[test]
fn every_shader_file_is_registered() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".wgsl"))
        .collect();
    on_disk.sort();
    let mut registered: Vec<String> = Shader::ALL
        .iter()
        .map(|s| s.file_name().to_string())
        .collect();
    registered.sort();
    assert_eq!(on_disk, registered);
    for &shader in Shader::ALL {
        let (module, _) = parse(shader);
        for ep in &module.entry_points {
            assert!(
                EntryPoint::ALL
                    .iter()
                    .any(|k| k.shader() == shader && k.name() == ep.name),
                "{}::{} is not in the kernel registry",
                shader.file_name(),
                ep.name
            );
        }
    }
}
