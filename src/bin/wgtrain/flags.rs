//! The CLI's words on top of the library's: a library error names the library call or
//! setting that fixes it (`FitOptions::batch_size`, `Device::Cpu`, `load_csv`…); the
//! CLI user sets those with flags, so the message they see names the flag instead.

/// Each library phrase and the CLI flag (or command line) that sets the same thing.
const FLAGS: &[(&str, &str)] = &[
    ("FitOptions::batch_size", "--batch-size"),
    ("FitOptions::validation_split", "--validation-split"),
    (
        "use more samples or another split",
        "use more images (--limit) or another split",
    ),
    ("Device::Cpu", "--device cpu"),
    (
        "(the train / test limits of load_mnist_first)",
        "(--limit / --test-limit)",
    ),
    ("data_dir(Some(folder)) or MNIST_DIR", "--data or MNIST_DIR"),
    ("Dataset::dir(Some(folder))", "--data"),
    ("load_image_folder for a folder", "--data-dir for a folder"),
    ("load_image_folder's strict", "--strict"),
    ("load_csv with classify: false", "--loss mse"),
    ("retrain it on a table (load_csv)", "retrain it with --csv"),
    (
        "Sequential::load_weights(\"OUT_DIR/model.safetensors\")",
        "--weights OUT_DIR/model.safetensors",
    ),
    (
        "(ModelSpec::load, Sequential::from_spec, then load_weights)",
        "(--model MODEL.json --weights FILE)",
    ),
];

/// `text` (a library error's message) with the library's settings named by their flags.
pub(crate) fn in_cli_words(text: &str) -> String {
    FLAGS.iter().fold(text.to_string(), |t, (library, cli)| {
        t.replace(library, cli)
    })
}
