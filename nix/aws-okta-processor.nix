# aws-okta-processor is not in nixpkgs: packaged from its PyPI sdist.
{
  lib,
  buildPythonPackage,
  fetchPypi,
  poetry-core,
  beautifulsoup4,
  boto3,
  defusedxml,
  docopt,
  requests,
  six,
  tomlkit,
}:

buildPythonPackage rec {
  pname = "aws-okta-processor";
  version = "1.10.0";
  pyproject = true;

  src = fetchPypi {
    pname = "aws_okta_processor";
    inherit version;
    hash = "sha256-wHOQ5b2K29rdUag2U7To7PH47Iuxeq5S1cwEL8L/pyk=";
  };

  # contextlib2 is a backport of the standard library's contextlib and nixpkgs disables it on
  # Python >= 3.11; the package only uses contextlib2.ExitStack, which contextlib has.
  postPatch = ''
    substituteInPlace aws_okta_processor/core/tty.py \
      --replace-fail "import contextlib2" "import contextlib" \
      --replace-fail "contextlib2.ExitStack()" "contextlib.ExitStack()"
  '';
  pythonRemoveDeps = [ "contextlib2" ];
  # Pinned to ^0.13.2 upstream; nixpkgs has a newer tomlkit.
  pythonRelaxDeps = [ "tomlkit" ];

  build-system = [ poetry-core ];

  dependencies = [
    beautifulsoup4
    boto3
    defusedxml
    docopt
    requests
    six
    tomlkit
  ];

  # The sdist ships no tests.
  doCheck = false;
  pythonImportsCheck = [
    "aws_okta_processor"
    "aws_okta_processor.core.tty"
  ];

  meta = {
    description = "Fetch AWS role credentials from Okta";
    homepage = "https://github.com/godaddy/aws-okta-processor";
    license = lib.licenses.mit;
    mainProgram = "aws-okta-processor";
  };
}
