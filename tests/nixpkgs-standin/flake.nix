# A stand-in for nixpkgs, for evaluating this repository's flake offline with Nix 2.8.
#
# Used only by tests/test_nix.py through
#   --override-input nixpkgs path:<this directory> --no-write-lock-file
# It builds nothing: every package is a `builtins.derivation` whose builder fails, so only
# evaluation (attribute names, function arguments, hashes, drvPaths) is checked.
#
# What it knows is deliberately small and strict:
# - only attribute names that exist in real nixpkgs 25.11 (a misspelled name is a missing attribute);
# - `callPackage` checks the function's arguments with `builtins.functionArgs`: a required argument
#   that the scope lacks, or an override the function does not take, is an error;
# - python3Packages.contextlib2 throws, as nixpkgs disables it on Python >= 3.11;
# - buildPythonPackage/buildPythonApplication reject unknown arguments, require `pyproject = true` (or
#   `format`) and a build-system, and expose `dependencyNames` for the tests;
# - fetchPypi makes a fixed-output derivation, so a malformed hash fails;
# - lib.fileset.toSource refuses paths that do not exist (in a flake from git: untracked files);
# - lib.getExe requires meta.mainProgram (real nixpkgs only warns);
# - lib.evalModules is a small module system: options, mkIf, defaults, types, and
#   "option ... does not exist" for a definition nobody declared.
# Where it is stricter than nixpkgs the comment at that function says so.
{
  description = "Offline stand-in for nixpkgs 25.11 (tests only)";

  outputs =
    { self }:
    let
      lib = import ./lib.nix;
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
    in
    {
      inherit lib;
      legacyPackages = lib.genAttrs systems (system: import ./pkgs.nix { inherit lib system; });
      # The home-manager options that nix/home-manager.nix sets, with their home-manager 25.11 names.
      homeManagerStub = import ./home-manager-stub.nix;
    };
}
