# The home-manager options that nix/home-manager.nix may set, declared with their home-manager 25.11
# names and types. A definition of any other option fails with "The option `…' does not exist".
{ lib, ... }:
let
  inherit (lib) mkOption types;
  lines = mkOption {
    type = types.lines;
    default = "";
  };
in
{
  options = {
    home.packages = mkOption {
      type = types.listOf types.package;
      default = [ ];
    };
    programs.bash.initExtra = lines;
    programs.zsh.initContent = lines;
    # Still declared in 25.11, but deprecated in favour of initContent: the stand-in refuses it.
    programs.zsh.initExtra = mkOption {
      type = types.lines;
      default = "";
      apply =
        v:
        if v == "" then
          v
        else
          throw "programs.zsh.initExtra is deprecated: use programs.zsh.initContent";
    };
    programs.fish.interactiveShellInit = lines;
  };
}
