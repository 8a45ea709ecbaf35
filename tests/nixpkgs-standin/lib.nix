# The part of nixpkgs' `lib` that this repository's Nix files use, with the same names and
# argument conventions as nixpkgs 25.11. Written for Nix 2.8 (no newer builtins).
let
  inherit (builtins)
    all
    any
    attrNames
    concatLists
    concatMap
    concatStringsSep
    elem
    filter
    foldl'
    head
    isAttrs
    isBool
    isFunction
    isList
    isPath
    isString
    length
    listToAttrs
    mapAttrs
    match
    pathExists
    replaceStrings
    stringLength
    substring
    typeOf
    ;

  hasPrefix = prefix: s: substring 0 (stringLength prefix) s == prefix;
  unique = foldl' (acc: x: if elem x acc then acc else acc ++ [ x ]) [ ];
  showPath = concatStringsSep ".";
  isDerivation = x: isAttrs x && (x.type or null) == "derivation";

  # ---------------------------------------------------------------- lib.fileset
  # A file set is { _type = "fileset"; paths = [ <existing paths> ]; }.
  filesetPaths =
    where: x:
    if isAttrs x && (x._type or null) == "fileset" then
      x.paths
    else if isPath x then
      (
        if pathExists x then
          [ x ]
        else
          throw "${where}: ${toString x} is a path that does not exist (a flake from git sees only tracked files)"
      )
    else
      throw "${where}: expected a path or a file set, got a ${typeOf x}";

  fileset = {
    unions =
      list:
      if !isList list then
        throw "lib.fileset.unions: expected a list, got a ${typeOf list}"
      else
        {
          _type = "fileset";
          paths = concatMap (filesetPaths "lib.fileset.unions") list;
        };

    maybeMissing = path: {
      _type = "fileset";
      paths = if pathExists path then [ path ] else [ ];
    };

    # Like nixpkgs: the result is a store path named "source" that holds exactly the file set.
    toSource =
      { root, fileset }:
      let
        rootStr = toString root;
        wanted = map toString (filesetPaths "lib.fileset.toSource" fileset);
        outside = filter (p: p != rootStr && !hasPrefix (rootStr + "/") p) wanted;
      in
      if !isPath root then
        throw "lib.fileset.toSource: `root` must be a path, got a ${typeOf root}"
      else if outside != [ ] then
        throw "lib.fileset.toSource: ${head outside} is not under root ${rootStr}"
      else
        builtins.path {
          name = "source";
          path = root;
          filter =
            path: type:
            any (
              p:
              path == p
              || hasPrefix (p + "/") path
              || (type == "directory" && hasPrefix (path + "/") p)
            ) wanted;
        };
  };

  # ---------------------------------------------------------------- strings, lists, attrs
  optional = cond: x: if cond then [ x ] else [ ];
  optionals = cond: xs: if cond then xs else [ ];
  optionalString = cond: s: if cond then s else "";
  concatMapStringsSep = sep: f: xs: concatStringsSep sep (map f xs);
  genAttrs =
    names: f:
    listToAttrs (
      map (n: {
        name = n;
        value = f n;
      }) names
    );
  escapeShellArg =
    arg:
    let
      s = toString arg;
    in
    if match "[[:alnum:],._+:@%/-]+" s == null then
      "'${replaceStrings [ "'" ] [ "'\\''" ] s}'"
    else
      s;
  escapeShellArgs = concatMapStringsSep " " escapeShellArg;

  # nixpkgs warns and falls back to the name when meta.mainProgram is missing; the stand-in refuses.
  getExe' = x: name: "${x}/bin/${name}";
  getExe =
    x:
    if !isDerivation x then
      throw "lib.getExe: expected a derivation, got a ${typeOf x}"
    else if !(x ? meta.mainProgram) then
      throw "lib.getExe: ${x.name} has no meta.mainProgram"
    else
      getExe' x x.meta.mainProgram;
  makeBinPath = xs: concatStringsSep ":" (map (x: "${x}/bin") xs);
  importTOML = path: builtins.fromTOML (builtins.readFile path);

  licenses = {
    mit = {
      spdxId = "MIT";
      shortName = "mit";
      fullName = "MIT License";
      free = true;
    };
  };

  # ---------------------------------------------------------------- module system
  # mkOption has exactly nixpkgs' formal arguments, so a misspelled one is an error here too.
  mkOption =
    {
      default ? null,
      defaultText ? null,
      example ? null,
      description ? null,
      relatedPackages ? null,
      type ? null,
      apply ? null,
      internal ? null,
      visible ? null,
      readOnly ? null,
    }@attrs:
    attrs // { _type = "option"; };

  mkEnableOption =
    name:
    mkOption {
      default = false;
      example = true;
      description = "Whether to enable ${name}.";
      type = types.bool;
    };

  literalExpression = text: {
    _type = "literalExpression";
    inherit text;
  };

  mkIf = condition: content: {
    _type = "if";
    inherit condition content;
  };

  mergeEqual =
    loc: defs:
    if all (d: d == head defs) defs then
      head defs
    else
      throw "The option `${showPath loc}' has conflicting definition values.";

  types = rec {
    unspecified = {
      name = "unspecified";
      check = _: true;
      merge = mergeEqual;
    };
    bool = {
      name = "boolean";
      check = isBool;
      merge = mergeEqual;
    };
    str = {
      name = "string";
      check = isString;
      merge = mergeEqual;
    };
    lines = {
      name = "strings concatenated with \"\\n\"";
      check = isString;
      merge = _: defs: concatStringsSep "\n" defs;
    };
    path = {
      name = "path";
      check = x: isPath x || isDerivation x || (isString x && hasPrefix "/" x);
      merge = mergeEqual;
    };
    package = {
      name = "package";
      check = isDerivation;
      merge = mergeEqual;
    };
    listOf = t: {
      name = "list of ${t.name}";
      check = x: isList x && all t.check x;
      merge = _: concatLists;
    };
    nullOr = t: {
      name = "null or ${t.name}";
      check = x: x == null || t.check x;
      merge =
        loc: defs:
        if all (d: d == null) defs then
          null
        else if any (d: d == null) defs then
          throw "The option `${showPath loc}' is defined both null and not null."
        else
          t.merge loc defs;
    };
  };

  isOption = x: isAttrs x && (x._type or null) == "option";
  isIf = x: isAttrs x && (x._type or null) == "if";

  # Merge the option declarations of all modules into one tree; declaring an option twice is an error.
  mergeDecls =
    loc: decls:
    genAttrs (unique (concatMap attrNames decls)) (
      name:
      let
        here = loc ++ [ name ];
        found = concatMap (d: if d ? ${name} then [ d.${name} ] else [ ]) decls;
      in
      if any isOption found then
        (
          if length found == 1 then
            head found
          else
            throw "The option `${showPath here}' is declared more than once."
        )
      else
        mergeDecls here found
    );

  # mkIf is pushed down into attribute sets, as nixpkgs does, so the names of a definition are known
  # without evaluating its condition (which usually reads `config`).
  pushDown =
    loc: def:
    if isIf def then
      mapAttrs (_: mkIf def.condition) (pushDown loc def.content)
    else if isAttrs def && !isDerivation def then
      def
    else
      throw "A definition for `${showPath loc}' is a ${typeOf def}, but `${showPath loc}' is not an option.";

  resolve =
    loc: def:
    if isIf def then
      (
        if !isBool def.condition then
          throw "mkIf condition for `${showPath loc}' is not a boolean"
        else if def.condition then
          resolve loc def.content
        else
          [ ]
      )
    else
      [ def ];

  evalOption =
    loc: opt: defs:
    let
      type = if opt.type or null == null then types.unspecified else opt.type;
      given = concatMap (resolve loc) defs;
      values =
        if given != [ ] then
          given
        else if opt ? default then
          [ opt.default ]
        else
          throw "The option `${showPath loc}' is used but not defined.";
      checked = map (
        v:
        if type.check v then
          v
        else
          throw "A definition for option `${showPath loc}' is not of type `${type.name}'."
      ) values;
      merged = type.merge loc checked;
    in
    if opt.apply or null == null then merged else opt.apply merged;

  evalTree =
    loc: decl: defs:
    if isOption decl then
      evalOption loc decl defs
    else
      let
        pushed = map (pushDown loc) defs;
        undeclared = filter (n: !(decl ? ${n})) (concatMap attrNames pushed);
      in
      if undeclared != [ ] then
        throw "The option `${showPath (loc ++ [ (head undeclared) ])}' does not exist."
      else
        mapAttrs (
          name: sub:
          evalTree (loc ++ [ name ]) sub (concatMap (d: if d ? ${name} then [ d.${name} ] else [ ]) pushed)
        ) decl;

  # Modules are functions of { config, options, lib, ... } (or attribute sets) that return
  # { options, config }; `imports` and the shorthand form are not supported.
  evalModules =
    {
      modules,
      specialArgs ? { },
    }:
    let
      args = specialArgs // {
        inherit config options;
        lib = self;
      };
      call =
        m:
        let
          v = if isFunction m then m args else m;
          extra = filter (n: n != "options" && n != "config") (attrNames v);
        in
        if extra != [ ] then
          throw "stand-in evalModules: a module may only return `options` and `config` (got ${concatStringsSep ", " extra})"
        else
          v;
      evaluated = map call modules;
      options = mergeDecls [ ] (map (v: v.options or { }) evaluated);
      config = evalTree [ ] options (map (v: v.config or { }) evaluated);
    in
    {
      inherit options config;
    };

  self = {
    inherit
      concatMapStringsSep
      escapeShellArg
      escapeShellArgs
      evalModules
      fileset
      genAttrs
      getExe
      getExe'
      hasPrefix
      importTOML
      isDerivation
      licenses
      literalExpression
      makeBinPath
      mkEnableOption
      mkIf
      mkOption
      optional
      optionalString
      optionals
      types
      unique
      ;
    inherit (builtins)
      attrNames
      concatStringsSep
      elem
      filter
      mapAttrs
      ;
  };
in
self
