import click


@click.command()
def version():
    """Print the csdl version.

    \b
    Example:
      csdl version
    """
    from csdl import __version__

    click.echo(f"csdl {__version__}")
