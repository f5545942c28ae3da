fn main() -> std::process::ExitCode {
    tierdiff::cli::main()
}
