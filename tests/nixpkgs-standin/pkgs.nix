# legacyPackages.<system> of the stand-in: only attribute names that exist in nixpkgs 25.11.
{ lib, system }:
let
  inherit (builtins)
    all
    attrNames
    concatStringsSep
    elem
    filter
    functionArgs
    intersectAttrs
    isAttrs
    isBool
    isFunction
    isList
    isString
    removeAttrs
    substring
    typeOf
    ;

  failingBuilder = {
    inherit system;
    builder = "/bin/sh";
    args = [
      "-c"
      "echo 'stand-in nixpkgs: nothing can be built here' >&2; exit 1"
    ];
  };

  # A package: a real derivation (so drvPath evaluates) that cannot be built.
  package =
    pname: version: extra:
    builtins.derivation (failingBuilder // { name = "${pname}-${version}"; })
    // {
      inherit pname version;
      meta = {
        mainProgram = pname;
      };
    }
    // extra;

  pythonVersion = "3.13";

  # A python3Packages member, as nixpkgs names it (python3.13-<pname>-<version>).
  pythonPackage =
    pname: version:
    builtins.derivation (failingBuilder // { name = "python${pythonVersion}-${pname}-${version}"; })
    // {
      inherit pname version;
      pythonModule = python3;
      meta = { };
    };

  # ---------------------------------------------------------------- callPackage
  # Like nixpkgs: arguments come from the scope, then from the overrides; a required argument found
  # in neither is an error. Stricter than nixpkgs: an override the function does not name is an
  # error even if the function ends in `...` (functionArgs cannot see the ellipsis).
  callPackageWith =
    scope: fn: overrides:
    let
      f = if isFunction fn then fn else import fn;
      what = if isFunction fn then "a function" else toString fn;
      formal = functionArgs f;
      unexpected = filter (n: !(formal ? ${n})) (attrNames overrides);
      missing = filter (n: !formal.${n} && !(overrides ? ${n}) && !(scope ? ${n})) (
        attrNames formal
      );
    in
    if formal == { } then
      throw "callPackage: ${what} must take an attribute set of named arguments"
    else if unexpected != [ ] then
      throw "callPackage: ${what} was called with unexpected argument(s): ${concatStringsSep ", " unexpected}"
    else if missing != [ ] then
      throw "callPackage: ${what} was called without required argument(s): ${concatStringsSep ", " missing} (not in nixpkgs 25.11 at this scope)"
    else
      f (intersectAttrs formal scope // overrides);

  # ---------------------------------------------------------------- Python builders
  listArgs = [
    "build-system"
    "dependencies"
    "nativeBuildInputs"
    "buildInputs"
    "propagatedBuildInputs"
    "nativeCheckInputs"
    "checkInputs"
  ];
  # The lists that must hold Python packages of the same interpreter.
  pythonListArgs = [
    "build-system"
    "dependencies"
    "propagatedBuildInputs"
  ];
  stringListArgs = [
    "pythonImportsCheck"
    "disabledTests"
    "disabledTestPaths"
    "disabledTestMarks"
    "enabledTests"
    "enabledTestPaths"
    "enabledTestMarks"
    "pytestFlags"
    "makeWrapperArgs"
    "pythonNamespaces"
  ];
  stringArgs = [
    "pname"
    "version"
    "format"
    "prePatch"
    "postPatch"
    "preBuild"
    "postBuild"
    "preCheck"
    "postCheck"
    "preInstall"
    "postInstall"
    "postFixup"
    "sourceRoot"
  ];
  boolArgs = [
    "pyproject"
    "doCheck"
    "dontWrapPythonPrograms"
    "dontCheckRuntimeDeps"
    "disabled"
    "__darwinAllowLocalNetworking"
    "__structuredAttrs"
  ];
  otherArgs = [
    "src"
    "patches"
    "meta"
    "passthru"
    "env"
    "optional-dependencies"
    "pythonRelaxDeps"
    "pythonRemoveDeps"
  ];
  knownArgs = listArgs ++ stringListArgs ++ stringArgs ++ boolArgs ++ otherArgs;
  metaKeys = [
    "description"
    "longDescription"
    "homepage"
    "changelog"
    "downloadPage"
    "license"
    "maintainers"
    "teams"
    "mainProgram"
    "platforms"
    "badPlatforms"
    "broken"
    "sourceProvenance"
  ];

  isDrv = x: isAttrs x && (x.type or null) == "derivation";
  nameOf = x: x.pname or x.name;

  checkPython =
    builderName: a:
    let
      who = "${builderName} ${a.pname or "<no pname>"}";
      unknown = filter (n: !elem n knownArgs) (attrNames a);
      badList = filter (n: a ? ${n} && !(isList a.${n} && all isDrv a.${n})) listArgs;
      notPython = filter (n: a ? ${n} && !(all (d: d ? pythonModule) a.${n})) pythonListArgs;
      badStrings = filter (n: a ? ${n} && !(isList a.${n} && all isString a.${n})) stringListArgs;
      badString = filter (n: a ? ${n} && !isString a.${n}) stringArgs;
      badBool = filter (n: a ? ${n} && !isBool a.${n}) boolArgs;
      relaxOk = n: !(a ? ${n}) || isBool a.${n} || (isList a.${n} && all isString a.${n});
      unknownMeta = filter (n: !elem n metaKeys) (attrNames (a.meta or { }));
      errors =
        map (n: "unknown argument `${n}'") unknown
        ++ map (n: "`${n}' must be a list of derivations") badList
        ++ map (n: "`${n}' must hold Python packages (python3Packages.*)") notPython
        ++ map (n: "`${n}' must be a list of strings") badStrings
        ++ map (n: "`${n}' must be a string") badString
        ++ map (n: "`${n}' must be a boolean") badBool
        ++ map (n: "`${n}' must be a boolean or a list of strings") (
          filter (n: !relaxOk n) [
            "pythonRelaxDeps"
            "pythonRemoveDeps"
          ]
        )
        ++ map (n: "unknown meta attribute `${n}'") unknownMeta
        ++ (if a ? pname && a ? version then [ ] else [ "`pname' and `version' are required" ])
        ++ (if a ? src then [ ] else [ "`src' is required" ])
        ++ (
          if a ? pyproject && a ? format then
            [ "`pyproject' and `format' are mutually exclusive" ]
          else if !(a ? pyproject) && !(a ? format) then
            [ "since nixpkgs 25.11 `pyproject = true' (or a legacy `format') is required" ]
          else if (a.pyproject or false) && (a.build-system or [ ]) == [ ] then
            [ "`pyproject = true' needs a `build-system' (e.g. hatchling, poetry-core)" ]
          else
            [ ]
        );
    in
    if a ? pytestFlagsArray then
      throw "${who}: `pytestFlagsArray' is obsolete (an error from nixpkgs 26.05): use pytestFlags or disabledTestMarks"
    else if errors != [ ] then
      throw "${who}: ${concatStringsSep "; " errors}"
    else if a.disabled or false then
      throw "${who} is disabled for python${pythonVersion}"
    else
      a;

  mkPython =
    builderName: isApplication: argsOrFn:
    let
      a0 = if isFunction argsOrFn then argsOrFn a0 else argsOrFn;
      a = checkPython builderName a0;
      name = (if isApplication then "" else "python${pythonVersion}-") + "${a.pname}-${a.version}";
      # Everything but meta, passthru and nested sets goes into the derivation, so that every
      # dependency (and src, and the strings with store paths) is evaluated for drvPath.
      drvArgs = removeAttrs a [
        "meta"
        "passthru"
        "env"
        "optional-dependencies"
      ];
      drv = builtins.derivation (drvArgs // failingBuilder // { inherit name; });
    in
    drv
    // (a.passthru or { })
    // {
      inherit (a) pname version src;
      meta = a.meta or { };
      pythonModule = python3;
      dependencyNames = map nameOf (a.dependencies or [ ]);
      buildSystemNames = map nameOf (a.build-system or [ ]);
      nativeCheckInputNames = map nameOf (a.nativeCheckInputs or [ ]);
      disabledTestMarks = a.disabledTestMarks or [ ];
      overridePythonAttrs =
        f: mkPython builderName isApplication (a0 // (if isFunction f then f a0 else f));
    };

  # ---------------------------------------------------------------- fetchers
  # A fixed-output derivation: Nix itself rejects a hash that is malformed or of the wrong length.
  fetchPypi =
    {
      pname,
      version,
      hash ? null,
      sha256 ? null,
      format ? "setuptools",
      extension ? "tar.gz",
    }:
    let
      theHash = if hash != null then hash else sha256;
      url = "mirror://pypi/${substring 0 1 pname}/${pname}/${pname}-${version}.${extension}";
    in
    if format != "setuptools" then
      throw "stand-in fetchPypi: only sdists (format = \"setuptools\") are modelled"
    else if (hash == null) == (sha256 == null) then
      throw "fetchPypi ${pname}: give exactly one of `hash' or `sha256'"
    else
      builtins.derivation (
        failingBuilder
        // {
          name = "${pname}-${version}.${extension}";
          inherit url;
          outputHashMode = "flat";
          outputHashAlgo = if substring 0 7 theHash == "sha256-" then "" else "sha256";
          outputHash = theHash;
        }
      )
      // {
        inherit url;
      };

  # ---------------------------------------------------------------- python3
  python3 = package "python3" "3.13.9" {
    inherit pythonVersion;
    meta.mainProgram = "python3";
    pkgs = python3Packages;
    withPackages =
      f:
      let
        chosen = f python3Packages;
        bad = filter (p: !(isDrv p && p ? pythonModule)) chosen;
      in
      if !isList chosen then
        throw "python3.withPackages: the function must return a list"
      else if bad != [ ] then
        throw "python3.withPackages: not a Python package: ${toString (map (p: p.name or (typeOf p)) bad)}"
      else
        builtins.derivation (
          failingBuilder
          // {
            name = "python3-3.13.9-env";
            paths = chosen;
          }
        )
        // {
          packageNames = map nameOf chosen;
          meta.mainProgram = "python3";
        };
  };

  # Versions are placeholders; only the names matter.
  pythonNames = {
    beautifulsoup4 = "4.13.4";
    boto3 = "1.40.18";
    boto3-stubs = "1.40.25";
    botocore = "1.40.18";
    click = "8.2.1";
    defusedxml = "0.7.1";
    docopt = "0.6.2";
    hatchling = "1.27.0";
    hypothesis = "6.136.9";
    jinja2 = "3.1.6";
    moto = "5.1.11";
    mypy = "1.17.1";
    mypy-boto3-sts = "1.40.0";
    pexpect = "4.9.0";
    platformdirs = "4.3.8";
    poetry-core = "2.1.3";
    pytest = "8.4.1";
    pytest-timeout = "2.4.0";
    python-dateutil = "2.9.0.post0";
    requests = "2.32.5";
    rich = "14.1.0";
    ruff = "0.12.11";
    shellingham = "1.5.4";
    six = "1.17.0";
    tomli-w = "1.2.0";
    tomlkit = "0.13.3";
    trustme = "1.2.1";
    typer = "0.16.0";
    types-requests = "2.32.4.20250809";
  };

  python3Packages =
    builtins.mapAttrs pythonPackage pythonNames
    // {
      python = python3;
      pythonAtLeast = v: builtins.compareVersions pythonVersion v >= 0;
      pythonOlder = v: builtins.compareVersions pythonVersion v < 0;
      callPackage = callPackageWith (pkgs // python3Packages);
      buildPythonPackage = mkPython "buildPythonPackage" false;
      buildPythonApplication = mkPython "buildPythonApplication" true;
      inherit fetchPypi;
      pytestCheckHook = package "pytest-check-hook" "0" { };
      # nixpkgs: `disabled = pythonAtLeast "3.11"`, so any use of it fails to evaluate.
      contextlib2 = throw "contextlib2-21.6.0 not supported for interpreter python${pythonVersion} (nixpkgs disables it on Python >= 3.11; use the standard library's contextlib)";
    };

  # ---------------------------------------------------------------- mkShell, runCommand
  # Stricter than nixpkgs (whose mkShell takes `...` and turns unknown names into environment
  # variables): an unknown argument, e.g. a misspelled `shellhook`, is an error.
  mkShell =
    {
      name ? "nix-shell",
      packages ? [ ],
      inputsFrom ? [ ],
      buildInputs ? [ ],
      nativeBuildInputs ? [ ],
      propagatedBuildInputs ? [ ],
      propagatedNativeBuildInputs ? [ ],
      shellHook ? "",
    }:
    let
      all' = packages ++ inputsFrom ++ buildInputs ++ nativeBuildInputs;
      bad = filter (p: !isDrv p) all';
    in
    if bad != [ ] then
      throw "mkShell: not a derivation: ${toString (map typeOf bad)}"
    else
      builtins.derivation (
        failingBuilder
        // {
          inherit name shellHook;
          packages = all';
        }
      )
      // {
        inherit shellHook;
        packages = all';
        packageNames = map nameOf all';
      };

  runCommand =
    name: env: buildCommand:
    if !isString name || !isAttrs env || !isString buildCommand then
      throw "runCommand: expected a name, an attribute set and a string"
    else
      builtins.derivation (
        env
        // failingBuilder
        // {
          inherit name buildCommand;
        }
      )
      // {
        inherit buildCommand;
      };

  pkgs = {
    inherit
      lib
      python3
      python3Packages
      fetchPypi
      mkShell
      runCommand
      ;
    callPackage = callPackageWith pkgs;
    python313 = python3;
    python313Packages = python3Packages;
    stdenv = {
      hostPlatform = {
        inherit system;
        isLinux = substring (builtins.stringLength system - 5) 5 system == "linux";
        isDarwin = substring (builtins.stringLength system - 6) 6 system == "darwin";
      };
      buildPlatform = pkgs.stdenv.hostPlatform;
    };
    awscli2 = package "awscli2" "2.31.3" { meta.mainProgram = "aws"; };
    bash = package "bash" "5.3p3" { };
    coreutils = package "coreutils" "9.8" { };
    fish = package "fish" "4.1.2" { };
    git = package "git" "2.51.0" { };
    nixfmt = package "nixfmt" "1.1.0" { };
    nixfmt-tree = package "nixfmt-tree" "0" { meta.mainProgram = "treefmt"; };
    ruff = package "ruff" "0.14.3" { };
    shellcheck = package "shellcheck" "0.11.0" { };
    shfmt = package "shfmt" "3.12.0" { };
    zsh = package "zsh" "5.9" { };
    # A deprecated alias in 25.11 (evaluation warning); the stand-in refuses it.
    nixfmt-rfc-style = throw "nixfmt-rfc-style is a deprecated alias in nixpkgs 25.11: use nixfmt (or nixfmt-tree)";
  };
in
pkgs
