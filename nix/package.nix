# bootstrap, built from this checkout. Called with python3Packages.callPackage from flake.nix.
{
  lib,
  buildPythonApplication,
  hatchling,
  typer,
  boto3,
  requests,
  jinja2,
  shellingham,
  tomli-w,
  aws-okta-processor,
  pytestCheckHook,
  pytest-timeout,
  hypothesis,
  moto,
  trustme,
  pexpect,
}:

let
  inherit (lib.importTOML ../pyproject.toml) project;
in
buildPythonApplication {
  pname = "bootstrap";
  inherit (project) version;
  pyproject = true;

  # Only what the wheel and the tests need; a flake built from git sees tracked files only.
  src = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions [
      ../pyproject.toml
      ../README.md
      ../bootstrap
      ../templates
      ../tests
    ];
  };

  build-system = [ hatchling ];

  # [project].dependencies of pyproject.toml (tests/test_nix.py compares the two lists).
  dependencies = [
    typer
    boto3
    requests
    jinja2
    shellingham
    tomli-w
    aws-okta-processor
  ];

  # okta-login (in the user's shell) and `bootstrap doctor` run aws-okta-processor: put it on
  # bootstrap's PATH, and next to bootstrap in $out/bin so that `nix profile install` brings both.
  makeWrapperArgs = [
    "--prefix"
    "PATH"
    ":"
    (lib.makeBinPath [ aws-okta-processor ])
  ];
  postInstall = ''
    ln -s ${lib.getExe aws-okta-processor} "$out/bin/aws-okta-processor"
  '';

  nativeCheckInputs = [
    pytestCheckHook
    pytest-timeout
    hypothesis
    moto
    trustme
    pexpect
    hatchling
  ];
  # The sandbox has neither real shells to spare nor network nor nix.
  disabledTestMarks = [
    "shells"
    "network"
    "nix"
  ];
  preCheck = ''
    export HOME="$(mktemp -d)"
    export PATH="$out/bin:$PATH"
    # Import the installed package (with the templates inside), not ./bootstrap of the source tree.
    export PYTHONSAFEPATH=1
  '';

  pythonImportsCheck = [ "bootstrap" ];

  passthru = {
    inherit aws-okta-processor;
  };

  meta = {
    inherit (project) description;
    license = lib.licenses.mit;
    mainProgram = "bootstrap";
  };
}
