# home-manager module: okta-login in bash, zsh and fish, declared instead of set up by
# `bootstrap setup`.
#
# The okta-login code is generated at build time by `bootstrap snippet` (no network, no HOME writes)
# and sourced from the rc files that home-manager itself generates and owns.
{ self }:
{
  config,
  lib,
  pkgs,
  ...
}:

let
  cfg = config.programs.bootstrap;

  snippetArgs = [
    "--user"
    cfg.user
    "--role"
    cfg.role
  ]
  ++ lib.optionals (cfg.orgFile != null) [
    "--org-file"
    "${cfg.orgFile}"
  ];

  snippet =
    shell:
    pkgs.runCommand "okta-login-${shell}" { } ''
      export HOME="$TMPDIR"
      ${lib.getExe cfg.package} snippet --shell ${shell} ${lib.escapeShellArgs snippetArgs} > "$out"
    '';
in
{
  options.programs.bootstrap = {
    enable = lib.mkEnableOption "okta-login (from bootstrap) in bash, zsh and fish";

    package = lib.mkOption {
      type = lib.types.package;
      default = self.packages.${pkgs.stdenv.hostPlatform.system}.default;
      defaultText =
        lib.literalExpression "bootstrap.packages.\${pkgs.stdenv.hostPlatform.system}.default";
      description = "The bootstrap package; it brings aws-okta-processor along.";
    };

    user = lib.mkOption {
      type = lib.types.str;
      example = "jdoe@example.com";
      description = "Your Okta user name.";
    };

    role = lib.mkOption {
      type = lib.types.str;
      example = "developer";
      description = "The AWS role that okta-login assumes when called without one.";
    };

    orgFile = lib.mkOption {
      type = lib.types.nullOr lib.types.path;
      default = null;
      example = lib.literalExpression "./okta-org.toml";
      description = ''
        The organization's settings file (bootstrap --org-file). It is copied into the Nix store,
        so it must hold no secrets. Null: bootstrap's built-in settings.
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    home.packages = [ cfg.package ];
    programs.bash.initExtra = ''
      source ${snippet "bash"}
    '';
    programs.zsh.initContent = ''
      source ${snippet "zsh"}
    '';
    programs.fish.interactiveShellInit = ''
      source ${snippet "fish"}
    '';
  };
}
