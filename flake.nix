{
  description = "bootstrap: from a fresh clone to working AWS credentials through Okta (okta-login)";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.11";

  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;

      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];

      forAllSystems =
        f:
        lib.genAttrs systems (
          system:
          f {
            inherit system;
            pkgs = nixpkgs.legacyPackages.${system};
          }
        );

      # Python packages for contributors (dev shell) and for the lint check.
      devPython =
        pkgs: aws-okta-processor:
        pkgs.python3.withPackages (ps: [
          # runtime
          ps.typer
          ps.boto3
          ps.requests
          ps.jinja2
          ps.shellingham
          ps.tomli-w
          aws-okta-processor
          # tests
          ps.pytest
          ps.pytest-timeout
          ps.hypothesis
          ps.moto
          ps.trustme
          ps.pexpect
          # lint and types
          ps.mypy
          ps.boto3-stubs
          ps.mypy-boto3-sts
          ps.types-requests
        ]);
    in
    {
      packages = forAllSystems (
        { pkgs, ... }:
        let
          aws-okta-processor = pkgs.python3Packages.callPackage ./nix/aws-okta-processor.nix { };
          bootstrap = pkgs.python3Packages.callPackage ./nix/package.nix {
            inherit aws-okta-processor;
          };
        in
        {
          inherit aws-okta-processor bootstrap;
          default = bootstrap;
        }
      );

      # nix run . -- setup
      apps = forAllSystems (
        { system, ... }:
        {
          default = {
            type = "app";
            program = lib.getExe self.packages.${system}.bootstrap;
            meta.description = "Set up okta-login on this machine (bootstrap setup, status, doctor)";
          };
        }
      );

      devShells = forAllSystems (
        { system, pkgs }:
        let
          inherit (self.packages.${system}) aws-okta-processor bootstrap;
        in
        {
          default = pkgs.mkShell {
            packages = [
              # The CLI from this checkout; its tests run in `nix flake check`, not on shell entry.
              (bootstrap.overridePythonAttrs { doCheck = false; })
              aws-okta-processor
              pkgs.awscli2
              (devPython pkgs aws-okta-processor)
              pkgs.ruff
              pkgs.bash
              pkgs.zsh
              pkgs.fish
              pkgs.shellcheck
              pkgs.shfmt
              pkgs.nixfmt
            ];
            # One status line; never fails, never waits for the network or for input.
            shellHook = ''
              timeout 5 bootstrap status --short </dev/null 2>/dev/null || true
            '';
          };
        }
      );

      checks = forAllSystems (
        { system, pkgs }:
        let
          inherit (self.packages.${system}) aws-okta-processor bootstrap;
        in
        {
          # Builds the package and runs its tests (minus those marked shells, network or nix).
          inherit bootstrap;
          devShell = self.devShells.${system}.default;
          lint =
            pkgs.runCommand "bootstrap-lint"
              {
                nativeBuildInputs = [
                  pkgs.ruff
                  (devPython pkgs aws-okta-processor)
                ];
              }
              ''
                cp -r ${bootstrap.src} src
                chmod -R u+w src
                cd src
                ruff check --no-cache .
                mypy --cache-dir "$TMPDIR/mypy-cache"
                touch "$out"
              '';
        }
      );

      # `nix fmt`: nixfmt (the official formatter) run over the tree by treefmt.
      formatter = forAllSystems ({ pkgs, ... }: pkgs.nixfmt-tree);

      homeManagerModules.default = import ./nix/home-manager.nix { inherit self; };
    };
}
