fn main() {
    std::process::exit(reel::cli::main());
}
